# SYNTAX TEST "source.gml" "GML tokens (docs/gml.md §2)"
$base = order.total * 2 # the base
# <----- variable.other.temporary.gml
#     ^ keyword.operator.assignment.gml
#       ^^^^^ variable.other.readwrite.gml
#            ^ punctuation.accessor.gml
#             ^^^^^ variable.other.property.gml
#                   ^ keyword.operator.arithmetic.gml
#                     ^ constant.numeric.gml
#                       ^^^^^^^^^^ comment.line.number-sign.gml
name = user?.name ?? 'anonymous', total = $base
# <---- variable.other.assignment.gml
#          ^^ punctuation.accessor.gml
#            ^^^^ variable.other.property.gml
#                 ^^ keyword.operator.logical.gml
#                    ^^^^^^^^^^^ string.quoted.single.gml
#                                 ^^^^^ variable.other.assignment.gml
#                                         ^^^^^ variable.other.temporary.gml
...customer
# <--- keyword.operator.spread.gml
#  ^^^^^^^^ variable.other.readwrite.gml
mails = orders.filter(o => o.amount >= 100 AND o.paid == true).map((o, i) => o.mail)
#              ^^^^^^ entity.name.function.method.gml
#                     ^ variable.parameter.gml
#                       ^^ storage.type.function.arrow.gml
#                                   ^^ keyword.operator.comparison.gml
#                                      ^^^ constant.numeric.gml
#                                          ^^^ keyword.operator.logical.gml
#                                                     ^^ keyword.operator.comparison.gml
#                                                        ^^^^ constant.language.boolean.gml
#                                                              ^^^ entity.name.function.method.gml
#                                                                  ^^^^^^ meta.parameters.gml
#                                                                   ^ variable.parameter.gml
#                                                                      ^ variable.parameter.gml
#                                                                              ^^^^ variable.other.property.gml
greeting = `Dear ${user.name}, you have ${COUNT(orders)} orders`
#          ^^^^^^ string.template.gml
#                ^^ punctuation.definition.template-expression.begin.gml
#                  ^^^^ variable.other.readwrite.gml
#                  ^^^^ - string
#                                         ^^^^^ entity.name.function.gml
#                                                        ^^^^^^^ string.template.gml
level = CASE WHEN total > 1000 THEN 'gold' ELSE 'silver' END
#       ^^^^ keyword.control.conditional.gml
#            ^^^^ keyword.control.conditional.gml
#                              ^^^^ keyword.control.conditional.gml
#                                          ^^^^ keyword.control.conditional.gml
#                                                        ^^^ keyword.control.conditional.gml
point = {x = 1, y: 2.5e3, 'z': null}, both = x and y, n = this.point
#        ^ variable.other.property.key.gml
#               ^ variable.other.property.key.gml
#                  ^^^^^ constant.numeric.gml
#                              ^^^^ constant.language.null.gml
#                                              ^^^ variable.other.readwrite.gml
#                                                         ^^^^ variable.language.this.gml
ok = status IN ['a', "b\n"] && name NOT LIKE 'x%' || !done, all = $
#           ^^ keyword.operator.comparison.gml
#                       ^ constant.character.escape.gml
#                                   ^^^ keyword.operator.logical.gml
#                                       ^^^^ keyword.operator.comparison.gml
#                                                    ^ keyword.operator.logical.gml
#                                                                 ^ variable.language.input.gml
客户 = 用户.名字, count = x == 1 ? a : b
# <-- variable.other.assignment.gml
#       ^^ variable.other.property.gml
#                          ^ keyword.operator.ternary.gml
#                              ^ keyword.operator.ternary.gml

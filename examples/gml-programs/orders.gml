# Big orders since a date, grouped by channel (run: fdl eval @examples/gml-programs/orders.gml ...).
$recent = orders.filter(o => o.time >= DATE(since) && o.amount > 100)
count = COUNT($recent)
total = $recent.sum('amount')
byChannel = $recent
    .group('channel')
    .map(g => {channel: g.key, orders: COUNT(g.val), amount: g.val.sum('amount')})
    .sort('amount DESC')
best = $recent.sort('amount DESC').first().id
report = `${count} big orders worth ${total} since ${FORMAT_DATE(DATE(since), 'D MMM YYYY')}`

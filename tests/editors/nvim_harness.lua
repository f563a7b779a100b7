-- Drives the fdl client of the snippet: opens a flow, waits for its diagnostics, asks for
-- completion and hover where the test says, writes what came back as JSON.
local spec = vim.fn.json_decode(os.getenv("FDL_EDITOR_TEST"))
vim.cmd("edit " .. vim.fn.fnameescape(spec.file))
local buf = vim.api.nvim_get_current_buf()
local result = { filetype = vim.bo[buf].filetype, diagnostics = {} }
vim.wait(spec.timeout, function() return #vim.diagnostic.get(buf) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, { line = d.lnum, message = d.message })
end
local uri = vim.uri_from_bufnr(buf)
local function request(method, position)
    local answers = vim.lsp.buf_request_sync(buf, method,
        { textDocument = { uri = uri }, position = position }, spec.timeout)
    local results = {}
    for _, answer in pairs(answers or {}) do
        table.insert(results, answer.result or { error = answer.err and answer.err.message })
    end
    return results
end
result.requests = {}
for name, request_spec in pairs(spec.requests) do
    result.requests[name] = request(request_spec.method, request_spec.position)
end
local out = io.open(spec.out, "w")
out:write(vim.fn.json_encode(result))
out:close()
vim.cmd("qa!")

-- Headless Neovim 0.11 as a real client of `paramlens serve`: attach to the YAML file given as the
-- first argument, wait for diagnostics and inlay hints, ask for a hover, print what arrived as JSON.
-- The configuration is the one docs/editors.md shows: the console script `paramlens` found on PATH;
-- PARAMLENS_LOG, when set, adds `--stdio -v --log-file PARAMLENS_LOG`.
vim.cmd('filetype on')

local cmd = { 'paramlens', 'serve' }
if os.getenv('PARAMLENS_LOG') then
  vim.list_extend(cmd, { '--stdio', '-v', '--log-file', os.getenv('PARAMLENS_LOG') })
end
vim.lsp.config('paramlens', {
  cmd = cmd,
  filetypes = { 'yaml' },
  root_markers = { '.git', 'pyproject.toml' },
})
vim.lsp.enable('paramlens')
vim.lsp.inlay_hint.enable(true)

local function fail(message)
  io.stderr:write(message .. '\n')
  vim.cmd('cquit 1')
end

vim.cmd.edit(vim.fn.fnameescape(_G.arg[1]))
local buf = vim.api.nvim_get_current_buf()

local client
if not vim.wait(15000, function()
  client = vim.lsp.get_clients({ bufnr = buf, name = 'paramlens' })[1]
  return client ~= nil and client.initialized
end, 20) then
  fail('paramlens did not attach')
end
if not vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 20) then
  fail('no diagnostics arrived')
end
if not vim.wait(15000, function() return #vim.lsp.inlay_hint.get({ bufnr = buf }) > 0 end, 20) then
  fail('no inlay hints arrived')
end

local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(diagnostics, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    code = d.code, source = d.source, severity = d.severity, message = d.message,
  })
end

local hints = {}
for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = buf })) do
  local label = item.inlay_hint.label
  if type(label) == 'table' then
    local parts = {}
    for _, part in ipairs(label) do table.insert(parts, part.value) end
    label = table.concat(parts)
  end
  table.insert(hints, { item.inlay_hint.position.line, item.inlay_hint.position.character, label })
end
table.sort(hints, function(a, b) return a[1] < b[1] end)

local line = tonumber(_G.arg[2])
local col = tonumber(_G.arg[3])
local response = client:request_sync('textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = line, character = col },
}, 10000, buf)
if not response or response.err or not response.result then
  fail('no hover: ' .. vim.inspect(response))
end

io.stdout:write(vim.json.encode({
  encoding = client.offset_encoding,
  diagnostics = diagnostics,
  hints = hints,
  hover = response.result.contents.value,
}))
vim.cmd('qa!')

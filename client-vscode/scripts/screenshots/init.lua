-- Neovim set-up for the README screenshots: the paramlens server from the repository's .venv,
-- inlay hints on, a dark colour scheme. Started by scripts/screenshots/take.sh inside tmux.
vim.cmd('filetype on')
vim.o.termguicolors = true
vim.o.number = true
vim.o.signcolumn = 'no'
vim.o.laststatus = 0
vim.o.ruler = false
vim.o.showmode = false
vim.o.swapfile = false
vim.cmd.colorscheme('habamax')
local python = vim.env.PARAMLENS_PYTHON
vim.lsp.config('paramlens', {
  cmd = { python, '-m', 'paramlens', 'serve' },
  filetypes = { 'yaml' },
  root_markers = { 'pyproject.toml', '.git' },
})
vim.lsp.enable('paramlens')
vim.api.nvim_create_autocmd('LspAttach', {
  callback = function(args)
    vim.lsp.inlay_hint.enable(true, { bufnr = args.buf })
  end,
})
-- Floats (the hover) on a lighter background than the buffer, as in VS Code.
vim.api.nvim_set_hl(0, 'NormalFloat', { bg = '#3a3f4b' })
vim.diagnostic.config({ virtual_text = false, underline = true, float = { source = false } })
vim.keymap.set('n', 'gl', vim.diagnostic.open_float)

// The lrs extension: the language itself (highlighting, comments, brackets) is declared in
// package.json; everything that needs the compiler comes from `lrs lsp`, started over stdio, so the
// editor reports exactly what `lrs check` and `lrs fmt` would.
"use strict"

const vscode = require("vscode")
const { LanguageClient } = require("vscode-languageclient/node")

/** @type {import("vscode-languageclient/node").LanguageClient | undefined} */
let client

const start = async () => {
  const config = vscode.workspace.getConfiguration("lrs.server")
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath
  // No `transport` field: plain stdio (with one, the client would also append `--stdio`).
  const server = {
    command: config.get("command", "lrs"),
    args: [...config.get("args", []), "lsp"],
    options: folder === undefined ? {} : { cwd: folder }
  }
  client = new LanguageClient("lrs", "lrs", server, {
    documentSelector: [{ scheme: "file", language: "lrs" }, { scheme: "untitled", language: "lrs" }]
  })
  await client.start()
}

const stop = async () => {
  const running = client
  client = undefined
  if (running !== undefined) await running.stop()
}

/** @param {import("vscode").ExtensionContext} context */
exports.activate = async (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand("lrs.restartServer", async () => {
      await stop()
      await start()
    }),
    // A new command or arguments take effect at once rather than at the next window reload.
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("lrs.server")) return
      await stop()
      await start()
    })
  )
  await start()
}

exports.deactivate = () => stop()

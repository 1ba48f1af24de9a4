import type { Readable, Writable } from "node:stream"

/**
 * JSON-RPC 2.0 over a byte stream with LSP's base protocol framing: each message is a header block
 * (`Content-Length: N`, optionally `Content-Type`), a blank line, then N bytes of UTF-8 JSON.
 * Written by hand so the CLI takes no dependency for a few dozen lines.
 */

export type Id = number | string | null

export interface Message {
  readonly jsonrpc: "2.0"
  readonly id?: Id
  readonly method?: string
  readonly params?: unknown
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string }
}

const separator = Buffer.from("\r\n\r\n", "ascii")

/**
 * Cuts a byte stream into message bodies. Kept apart from the stream so it can be fed chunks split
 * anywhere (a header or a multi-byte character across two reads). A body that is not JSON, or a
 * header block without a length, comes out as an Error so the server can answer it.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Array<Message | Error> {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const out: Array<Message | Error> = []
    for (;;) {
      const end = this.buffer.indexOf(separator)
      if (end < 0) return out
      const headers = this.buffer.subarray(0, end).toString("ascii")
      const length = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(headers)
      if (length === null) {
        // Without a length there is no telling where the body ends; drop the header block and resync.
        this.buffer = this.buffer.subarray(end + separator.length)
        out.push(new Error(`a message header without Content-Length: ${JSON.stringify(headers)}`))
        continue
      }
      const start = end + separator.length
      const size = Number(length[1])
      if (this.buffer.length < start + size) return out
      const body = this.buffer.subarray(start, start + size).toString("utf8")
      this.buffer = this.buffer.subarray(start + size)
      try {
        out.push(JSON.parse(body) as Message)
      } catch (e) {
        out.push(new Error(`a message that is not JSON: ${(e as Error).message}`))
      }
    }
  }
}

/** One message with its header; the length counts bytes, not characters. */
export const frame = (message: Message): Buffer => {
  const body = Buffer.from(JSON.stringify(message), "utf8")
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body])
}

export interface Connection {
  readonly send: (message: Message) => void
  /** Stops reading and lets go of the input, so the process can end once the last message is written. */
  readonly close: () => void
}

/** Reads framed messages from `input` and hands them over one by one; `onEnd` when the input closes. */
export const connect = (input: Readable, output: Writable, onMessage: (m: Message | Error) => void, onEnd: () => void): Connection => {
  const reader = new FrameReader()
  const onData = (chunk: Buffer) => {
    for (const m of reader.push(chunk)) onMessage(m)
  }
  input.on("data", onData)
  input.once("end", onEnd)
  return {
    send: (message) => {
      output.write(frame(message))
    },
    close: () => {
      input.off("data", onData)
      input.off("end", onEnd)
      // A paused pipe still holds the event loop open; the server never reads again, so release it.
      input.destroy()
    }
  }
}

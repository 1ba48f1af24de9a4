/**
 * Preloaded (`node --import`) into every trial process a sweep or a worker starts: the trial stops
 * when the process that started it dies, even by SIGKILL, instead of running on unowned. A killed
 * worker's trial can then be resumed elsewhere without two processes writing one run directory.
 * The parent's end of the IPC channel closes with it; that is the signal.
 */
if (process.channel !== undefined) {
  // The channel carries no messages; it must not keep the trial alive once its work is done.
  process.channel.unref()
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"))
}

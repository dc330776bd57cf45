// Turns a native failure into an error that names the op, keeping libtorch's first message line.
const TYPE_MESSAGES = /was expected|expected a Tensor|expected an array|expects a typed array/;

export function opError(op: string, e: unknown): Error {
  let msg = e instanceof Error ? e.message : String(e);
  // A non-tensor where a tensor belongs fails on reading `.handle`; say so in the user's terms.
  const missing = /^Cannot read properties of (null|undefined) \(reading 'handle'\)/.exec(msg);
  if (missing) msg = `expected a Tensor argument, got ${missing[1]}`;
  const text = msg.startsWith(`${op}: `) ? msg : `${op}: ${msg}`;
  if (e instanceof TypeError || missing || TYPE_MESSAGES.test(msg)) return new TypeError(text);
  return new Error(text);
}

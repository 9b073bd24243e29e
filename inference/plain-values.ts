// Small checks shared by the inference layer when it reads JSON it did not write (schemas, model and server output).

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The start of a long text, for error messages. */
export function preview(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

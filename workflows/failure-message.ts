// The innermost message of a Temporal failure chain (child workflow -> activity -> application error): the part
// that says what actually went wrong.
export function failureMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  let message = String(error);
  while (current && typeof current === 'object') {
    if (current.message) message = current.message;
    current = current.cause as typeof current;
  }
  return message;
}

// Word n-grams, the unit both near-duplicate detection (5-grams) and decontamination (13-grams) compare. Words are
// lower-cased runs of letters and digits, so punctuation, quoting and spacing never hide an overlap.
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct n-grams of the text's words; a text shorter than n words is one gram of all its words. */
export function wordNgrams(text: string, n: number): Set<string> {
  const list = words(text);
  const grams = new Set<string>();
  if (list.length === 0) return grams;
  if (list.length < n) {
    grams.add(list.join(' '));
    return grams;
  }
  for (let i = 0; i + n <= list.length; i++) grams.add(list.slice(i, i + n).join(' '));
  return grams;
}

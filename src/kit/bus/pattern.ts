/**
 * AMQP-style topic patterns: words split by dots, `*` matches exactly one word, `#` matches zero or more.
 */
export function compilePattern(pattern: string): (topic: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('#')) return (topic) => topic === pattern;
  const words = pattern.split('.');
  return (topic) => matchWords(words, 0, topic.split('.'), 0);
}

function matchWords(pattern: string[], p: number, topic: string[], t: number): boolean {
  while (p < pattern.length) {
    const word = pattern[p]!;
    if (word === '#') {
      if (p === pattern.length - 1) return true;
      for (let skip = t; skip <= topic.length; skip++) {
        if (matchWords(pattern, p + 1, topic, skip)) return true;
      }
      return false;
    }
    if (t >= topic.length) return false;
    if (word !== '*' && word !== topic[t]) return false;
    p++;
    t++;
  }
  return t === topic.length;
}

export function matchesPattern(pattern: string, topic: string): boolean {
  return compilePattern(pattern)(topic);
}

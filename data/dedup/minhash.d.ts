// Types for the `minhash` package (it ships none): the parts tasksynth uses.
declare module 'minhash' {
  class Minhash {
    constructor(config?: { numPerm?: number; seed?: number });
    hashvalues: number[];
    update(value: string): void;
    jaccard(other: Minhash): number;
  }
  const api: { Minhash: typeof Minhash };
  export default api;
}

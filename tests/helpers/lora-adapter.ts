// Writes a LoRA adapter as a GGUF file llama.cpp loads (general.type "adapter", adapter.type "lora", a pair of
// F32 tensors `<weight>.lora_a` / `.lora_b` per adapted weight), for tests of serving an adapter without training
// one. Hand-written on purpose: the GGUF writer that ships with llama.cpp is Python (gguf-py, needing numpy) and
// npm has readers, not writers; this covers only the few value types an adapter's header needs.
import { writeFileSync } from 'node:fs';

const ALIGNMENT = 32;
const TYPE_F32 = 0;
const VALUE_FLOAT32 = 6;
const VALUE_STRING = 8;

export interface AdaptedWeight {
  /** The model tensor's name, e.g. blk.0.attn_q.weight. */
  name: string;
  /** Its ggml shape: [inputs, outputs]. */
  inputs: number;
  outputs: number;
}

/**
 * An adapter of rank `rank` over `weights`: A (inputs x rank) from `valueA`, B (rank x outputs) from `valueB`
 * (a B of zeros leaves the model as it is). `alpha` scales it as alpha / rank.
 */
export function writeLoraAdapter(
  file: string,
  weights: AdaptedWeight[],
  opts: { architecture: string; rank: number; alpha: number; valueA: (i: number) => number; valueB: (i: number) => number },
): void {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const str = (s: string) => {
    u64(Buffer.byteLength(s));
    parts.push(Buffer.from(s, 'utf8'));
  };
  const kvString = (key: string, value: string) => {
    str(key);
    u32(VALUE_STRING);
    str(value);
  };
  const kvFloat = (key: string, value: number) => {
    str(key);
    u32(VALUE_FLOAT32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    parts.push(b);
  };

  const tensors = weights.flatMap((w) => [
    { name: `${w.name}.lora_a`, ne: [w.inputs, opts.rank], value: opts.valueA },
    { name: `${w.name}.lora_b`, ne: [opts.rank, w.outputs], value: opts.valueB },
  ]);
  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3);
  u64(tensors.length);
  u64(4);
  kvString('general.architecture', opts.architecture);
  kvString('general.type', 'adapter');
  kvString('adapter.type', 'lora');
  kvFloat('adapter.lora.alpha', opts.alpha);

  const padded = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
  let offset = 0;
  const data: Buffer[] = [];
  for (const t of tensors) {
    str(t.name);
    u32(t.ne.length);
    for (const d of t.ne) u64(d);
    u32(TYPE_F32);
    u64(offset);
    const count = t.ne[0]! * t.ne[1]!;
    const bytes = Buffer.alloc(padded(count * 4));
    for (let i = 0; i < count; i++) bytes.writeFloatLE(t.value(i), i * 4);
    data.push(bytes);
    offset += bytes.length;
  }
  const header = Buffer.concat(parts);
  writeFileSync(file, Buffer.concat([header, Buffer.alloc(padded(header.length) - header.length), ...data]));
}

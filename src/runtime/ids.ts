import type { Ids } from "../domain/ports.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: one getRandomValues call per id cost
 * more than the rest of making it.
 */
function randomPool(size = 4096) {
  const pool = new Uint8Array(size);
  let used = size;
  return (count: number): Uint8Array => {
    if (used + count > size) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    used += count;
    return pool.subarray(used - count, used);
  };
}

/** ULID-style ids: 48 bits of milliseconds then 80 random bits, so ids sort by creation time. */
export function createIds(now: () => number = Date.now): Ids {
  const randomBytes = randomPool();
  return {
    next(prefix) {
      let time = now();
      let head = "";
      for (let i = 0; i < 10; i++) {
        head = CROCKFORD.charAt(time % 32) + head;
        time = Math.floor(time / 32);
      }
      const random = randomBytes(16);
      let tail = "";
      for (const byte of random) tail += CROCKFORD.charAt(byte % 32);
      return `${prefix}_${head}${tail}`;
    },
    secret() {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      let text = "";
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
    },
  };
}

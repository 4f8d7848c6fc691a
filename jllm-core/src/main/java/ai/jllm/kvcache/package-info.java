/**
 * KV-cache bookkeeping: which fixed-size blocks of the paged cache each sequence holds, and prefix reuse across
 * requests. Plain Java and deterministic; the backend stores the keys and values, this package only decides where.
 *
 * <p>{@link ai.jllm.kvcache.KvCacheManager} is the facade the scheduler uses, one {@link ai.jllm.kvcache.KvSequence}
 * per running sequence; {@link ai.jllm.kvcache.KvCacheConfig} sizes the pool. Blocks flow free → used → cached (a
 * freed full block that keeps its prefix hash) → evicted (handed out again, hash dropped). docs/kvcache.md tells the
 * whole story: the free queue's order, the hash chain and how hits are verified, copy-on-write for forks.
 */
package ai.jllm.kvcache;

package ai.jllm.scheduler;

/** How the scheduler admits requests when the KV cache is the limit (TensorRT-LLM's capacity scheduler policies). */
public enum SchedulerPolicy {
    /**
     * Admit a request only when the cache can hold its whole prompt and {@code max_tokens} on top of what the running
     * requests may still grow into. Nothing is ever preempted; fewer requests run at once.
     */
    GUARANTEED_NO_EVICT,
    /**
     * Admit greedily while blocks are free for the next step. When a running sequence cannot grow, the newest running
     * sequence is preempted: its blocks are freed (its full blocks stay in the prefix cache) and it is recomputed
     * later, with an unchanged final output.
     */
    MAX_UTILIZATION
}

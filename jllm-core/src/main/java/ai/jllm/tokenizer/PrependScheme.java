package ai.jllm.tokenizer;

/** When {@code Metaspace} puts its replacement character in front of a piece. */
enum PrependScheme {
    /** Only in front of the piece where the input starts. */
    FIRST,
    /** Never. */
    NEVER,
    /** In front of every piece. */
    ALWAYS
}

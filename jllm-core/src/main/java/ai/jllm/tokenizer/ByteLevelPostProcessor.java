package ai.jllm.tokenizer;

/** {@code ByteLevel} as a post-processor only trims offsets, which ids do not carry: it leaves them alone. */
record ByteLevelPostProcessor() implements PostProcessor {

    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
        return ids;
    }
}

package ai.jllm.tokenizer;

/** A {@code post_processor} of tokenizer.json: adds the special tokens around an encoded sequence. */
sealed interface PostProcessor permits TemplatePostProcessor, ByteLevelPostProcessor, PostProcessorSequence {

    int[] process(int[] ids, boolean addSpecialTokens);
}

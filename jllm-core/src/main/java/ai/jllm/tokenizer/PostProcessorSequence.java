package ai.jllm.tokenizer;

import java.util.List;

/** {@code Sequence}: the post-processors in order. */
record PostProcessorSequence(List<PostProcessor> processors) implements PostProcessor {

    PostProcessorSequence {
        processors = List.copyOf(processors);
    }

    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
        int[] result = ids;
        for (PostProcessor processor : processors) {
            result = processor.process(result, addSpecialTokens);
        }
        return result;
    }
}

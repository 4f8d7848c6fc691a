package ai.jllm.tokenizer;

import java.util.List;

/** {@code Sequence}: each decoder works on the output of the one before. */
record DecoderSequence(List<Decoder> decoders) implements Decoder {

    DecoderSequence {
        decoders = List.copyOf(decoders);
    }

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        DecoderStep step = downstream;
        for (Decoder decoder : decoders.reversed()) {
            step = decoder.newStep(step);
        }
        return step;
    }
}

package ai.jllm.tokenizer;

/** {@code Fuse}: all tokens become one, so later steps see the whole text as a single token. */
record FuseDecoder() implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new DecoderStep() {
            @Override
            public void append(String text) {
                downstream.append(text);
            }

            @Override
            public void endToken() {}

            @Override
            public void finish() {
                downstream.endToken();
                downstream.finish();
            }
        };
    }
}

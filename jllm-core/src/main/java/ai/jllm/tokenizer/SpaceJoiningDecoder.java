package ai.jllm.tokenizer;

/** What the Hugging Face library does when a file has no decoder: the tokens joined with single spaces. */
record SpaceJoiningDecoder() implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new DecoderStep() {
            private int tokenIndex;
            private boolean tokenStarted;

            @Override
            public void append(String text) {
                startToken();
                downstream.append(text);
            }

            @Override
            public void endToken() {
                startToken();
                tokenStarted = false;
                tokenIndex++;
                downstream.endToken();
            }

            @Override
            public void finish() {
                downstream.finish();
            }

            private void startToken() {
                if (!tokenStarted) {
                    if (tokenIndex > 0) {
                        downstream.append(" ");
                    }
                    tokenStarted = true;
                }
            }
        };
    }
}

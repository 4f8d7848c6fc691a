package ai.jllm.tokenizer;

/**
 * {@code Metaspace} as a decoder: the replacement character turns back into a space, except in the first token
 * where (unless the prepend scheme is {@code never}) it is dropped, undoing the prepended one.
 */
record MetaspaceDecoder(int replacement, PrependScheme prependScheme) implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new DecoderStep() {
            private int tokenIndex;

            @Override
            public void append(String text) {
                boolean drop = tokenIndex == 0 && prependScheme != PrependScheme.NEVER;
                StringBuilder out = new StringBuilder(text.length());
                text.codePoints().forEach(c -> {
                    if (c != replacement) {
                        out.appendCodePoint(c);
                    } else if (!drop) {
                        out.append(' ');
                    }
                });
                downstream.append(out.toString());
            }

            @Override
            public void endToken() {
                tokenIndex++;
                downstream.endToken();
            }

            @Override
            public void finish() {
                downstream.finish();
            }
        };
    }
}

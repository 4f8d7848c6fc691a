package ai.jllm.tokenizer;

/**
 * {@code Strip}: removes up to {@code start} leading and {@code stop} trailing {@code content} characters of
 * each token. Leading ones are dropped as they arrive; trailing candidates are held back until a different
 * character shows they were not trailing after all.
 */
record StripDecoder(int content, int start, int stop) implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new Step(downstream);
    }

    private final class Step implements DecoderStep {
        private final DecoderStep downstream;
        private int strippedAtStart;
        private boolean pastStart;
        private int heldAtEnd;

        Step(DecoderStep downstream) {
            this.downstream = downstream;
        }

        @Override
        public void append(String text) {
            StringBuilder out = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); ) {
                int c = text.codePointAt(i);
                i += Character.charCount(c);
                if (!pastStart) {
                    if (c == content && strippedAtStart < start) {
                        strippedAtStart++;
                        continue;
                    }
                    pastStart = true;
                }
                if (c == content && stop > 0) {
                    if (heldAtEnd == stop) {
                        out.appendCodePoint(content);
                    } else {
                        heldAtEnd++;
                    }
                    continue;
                }
                for (; heldAtEnd > 0; heldAtEnd--) {
                    out.appendCodePoint(content);
                }
                out.appendCodePoint(c);
            }
            if (!out.isEmpty()) {
                downstream.append(out.toString());
            }
        }

        @Override
        public void endToken() {
            strippedAtStart = 0;
            pastStart = false;
            heldAtEnd = 0;
            downstream.endToken();
        }

        @Override
        public void finish() {
            downstream.finish();
        }
    }
}

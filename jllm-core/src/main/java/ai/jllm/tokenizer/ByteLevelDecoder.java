package ai.jllm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * {@code ByteLevel}: maps each token back to bytes through the {@link ByteLevelAlphabet} (a token with a
 * character outside it, such as an added token, contributes its own UTF-8 bytes) and decodes all bytes as one
 * lossy UTF-8 string, which becomes the single output token.
 */
record ByteLevelDecoder() implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new Step(downstream);
    }

    private static final class Step implements DecoderStep {
        private final DecoderStep downstream;
        private final StringBuilder token = new StringBuilder();
        private final StringBuilder decoded = new StringBuilder();
        private final Utf8Stream utf8 = new Utf8Stream();

        Step(DecoderStep downstream) {
            this.downstream = downstream;
        }

        @Override
        public void append(String text) {
            token.append(text);
        }

        @Override
        public void endToken() {
            if (inAlphabet(token)) {
                for (int i = 0; i < token.length(); i++) {
                    utf8.write(ByteLevelAlphabet.byteOf(token.charAt(i)), decoded);
                }
            } else {
                for (byte b : token.toString().getBytes(StandardCharsets.UTF_8)) {
                    utf8.write(b & 0xFF, decoded);
                }
            }
            token.setLength(0);
            pass();
        }

        @Override
        public void finish() {
            utf8.finish(decoded);
            pass();
            downstream.endToken();
            downstream.finish();
        }

        private void pass() {
            if (!decoded.isEmpty()) {
                downstream.append(decoded.toString());
                decoded.setLength(0);
            }
        }

        private static boolean inAlphabet(CharSequence text) {
            for (int i = 0; i < text.length(); i++) {
                if (ByteLevelAlphabet.byteOf(text.charAt(i)) == ByteLevelAlphabet.NOT_A_BYTE) {
                    return false;
                }
            }
            return true;
        }
    }
}

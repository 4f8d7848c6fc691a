package ai.jllm.tokenizer;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * {@code ByteFallback}: a run of {@code <0xXX>} tokens becomes the string its bytes spell, or one U+FFFD per
 * byte when they are not valid UTF-8 as a whole. A run is only decided when a token of another kind (or the
 * end) closes it, since any later byte can change the verdict for the whole run.
 */
record ByteFallbackDecoder() implements Decoder {

    /** A byte token is exactly six bytes long: {@code <0x}, two characters, {@code >}. */
    private static final int BYTE_TOKEN_LENGTH = 6;

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new Step(downstream);
    }

    /** The byte a token such as {@code <0x0A>} stands for, parsed as Rust's {@code u8::from_str_radix} does. */
    static OptionalInt byteOf(CharSequence token) {
        if (token.length() != BYTE_TOKEN_LENGTH || token.charAt(0) != '<' || token.charAt(1) != '0'
                || token.charAt(2) != 'x' || token.charAt(5) != '>') {
            return OptionalInt.empty();
        }
        int high = Character.digit(token.charAt(3), 16);
        int low = Character.digit(token.charAt(4), 16);
        if (token.charAt(3) == '+' && isAsciiHexDigit(token.charAt(4))) {
            return OptionalInt.of(low);
        }
        if (!isAsciiHexDigit(token.charAt(3)) || !isAsciiHexDigit(token.charAt(4))) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(high * 16 + low);
    }

    private static boolean isAsciiHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static final class Step implements DecoderStep {
        private final DecoderStep downstream;
        /** The current token while it could still be a byte token. */
        private final StringBuilder token = new StringBuilder();
        /** The current token is too long to be a byte token and is being passed on as it arrives. */
        private boolean passingThrough;
        private byte[] run = new byte[8];
        private int runLength;

        Step(DecoderStep downstream) {
            this.downstream = downstream;
        }

        @Override
        public void append(String text) {
            if (passingThrough) {
                downstream.append(text);
                return;
            }
            token.append(text);
            if (token.length() > BYTE_TOKEN_LENGTH) {
                closeRun();
                downstream.append(token.toString());
                token.setLength(0);
                passingThrough = true;
            }
        }

        @Override
        public void endToken() {
            if (passingThrough) {
                passingThrough = false;
                downstream.endToken();
                return;
            }
            OptionalInt value = byteOf(token);
            if (value.isPresent()) {
                if (runLength == run.length) {
                    run = Arrays.copyOf(run, runLength * 2);
                }
                run[runLength++] = (byte) value.getAsInt();
            } else {
                closeRun();
                downstream.append(token.toString());
                downstream.endToken();
            }
            token.setLength(0);
        }

        @Override
        public void finish() {
            closeRun();
            downstream.finish();
        }

        private void closeRun() {
            if (runLength == 0) {
                return;
            }
            var text = Utf8Stream.decodeStrict(run, runLength);
            if (text.isPresent()) {
                downstream.append(text.get());
                downstream.endToken();
            } else {
                for (int i = 0; i < runLength; i++) {
                    downstream.append(String.valueOf(Utf8Stream.REPLACEMENT));
                    downstream.endToken();
                }
            }
            runLength = 0;
        }
    }
}

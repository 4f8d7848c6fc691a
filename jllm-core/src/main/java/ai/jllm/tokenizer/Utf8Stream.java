package ai.jllm.tokenizer;

import java.util.Optional;

/**
 * Decodes UTF-8 one byte at a time, the way Rust's {@code String::from_utf8_lossy} decodes a whole buffer:
 * a character is written once its last byte arrives; each maximal invalid sequence becomes one U+FFFD, written
 * only once it is certain no later byte can complete it. So a character split across tokens is never broken,
 * and the output of the stream equals the lossy decoding of all its bytes.
 */
final class Utf8Stream {

    static final char REPLACEMENT = '\uFFFD';

    private int pendingCodePoint;
    private int pendingLength;
    private int expectedLength;

    /** Ends the stream: an incomplete character left over becomes one U+FFFD. */
    void finish(StringBuilder out) {
        if (pendingLength > 0) {
            out.append(REPLACEMENT);
            pendingLength = 0;
        }
    }

    /** {@code bytes[0..length)} as a string if they are entirely valid UTF-8 ({@code String::from_utf8}). */
    static Optional<String> decodeStrict(byte[] bytes, int length) {
        Utf8Stream stream = new Utf8Stream();
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            if (!stream.write(bytes[i] & 0xFF, out)) {
                return Optional.empty();
            }
        }
        return stream.pendingLength == 0 ? Optional.of(out.toString()) : Optional.empty();
    }

    /**
     * Feeds one byte; completed characters and certain replacements go to {@code out}. Returns false when the
     * byte revealed invalid input (and a replacement was written).
     */
    boolean write(int unsignedByte, StringBuilder out) {
        if (pendingLength > 0) {
            if (isValidContinuation(unsignedByte)) {
                pendingCodePoint = (pendingCodePoint << 6) | (unsignedByte & 0x3F);
                if (++pendingLength == expectedLength) {
                    out.appendCodePoint(pendingCodePoint);
                    pendingLength = 0;
                }
                return true;
            }
            out.append(REPLACEMENT);
            pendingLength = 0;
            start(unsignedByte, out);
            return false;
        }
        return start(unsignedByte, out);
    }

    private boolean start(int unsignedByte, StringBuilder out) {
        if (unsignedByte < 0x80) {
            out.append((char) unsignedByte);
        } else if (unsignedByte >= 0xC2 && unsignedByte <= 0xDF) {
            begin(unsignedByte & 0x1F, 2);
        } else if (unsignedByte >= 0xE0 && unsignedByte <= 0xEF) {
            begin(unsignedByte & 0x0F, 3);
        } else if (unsignedByte >= 0xF0 && unsignedByte <= 0xF4) {
            begin(unsignedByte & 0x07, 4);
        } else {
            out.append(REPLACEMENT);
            return false;
        }
        return true;
    }

    private void begin(int bits, int length) {
        pendingCodePoint = bits;
        pendingLength = 1;
        expectedLength = length;
    }

    /** The second byte's range depends on the lead byte, excluding overlong forms, surrogates and > U+10FFFF. */
    private boolean isValidContinuation(int unsignedByte) {
        if (pendingLength == 1) {
            int lead = pendingCodePoint;
            int low = 0x80;
            int high = 0xBF;
            if (expectedLength == 3 && lead == 0x0) {
                low = 0xA0;
            } else if (expectedLength == 3 && lead == 0xD) {
                high = 0x9F;
            } else if (expectedLength == 4 && lead == 0x0) {
                low = 0x90;
            } else if (expectedLength == 4 && lead == 0x4) {
                high = 0x8F;
            }
            return unsignedByte >= low && unsignedByte <= high;
        }
        return unsignedByte >= 0x80 && unsignedByte <= 0xBF;
    }
}

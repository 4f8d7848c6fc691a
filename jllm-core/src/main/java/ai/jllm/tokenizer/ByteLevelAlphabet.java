package ai.jllm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte → character table: printable bytes stand for themselves, the other 68 bytes are
 * shifted to U+0100.. so that every byte-level token is a printable string (space becomes 'Ġ', newline 'Ċ').
 */
final class ByteLevelAlphabet {

    /** Marks a character that is not in the alphabet. */
    static final int NOT_A_BYTE = 256;

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final short[] CHAR_TO_BYTE = new short[324];

    static {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : 256 + shifted++);
        }
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) NOT_A_BYTE);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
        }
    }

    private ByteLevelAlphabet() {}

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte that {@code c} stands for, or {@link #NOT_A_BYTE}. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : NOT_A_BYTE;
    }

    /** The byte-level spelling of {@code text}: one alphabet character per UTF-8 byte. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(chars);
    }
}

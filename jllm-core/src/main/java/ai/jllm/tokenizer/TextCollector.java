package ai.jllm.tokenizer;

/** The end of a decoder pipeline: the decoded text, all tokens concatenated. */
final class TextCollector implements DecoderStep {

    private final StringBuilder text = new StringBuilder();

    @Override
    public void append(String piece) {
        text.append(piece);
    }

    @Override
    public void endToken() {}

    @Override
    public void finish() {}

    /** The text collected since the last call. */
    String drain() {
        String result = text.toString();
        text.setLength(0);
        return result;
    }
}

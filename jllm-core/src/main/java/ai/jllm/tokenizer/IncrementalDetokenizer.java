package ai.jllm.tokenizer;

/**
 * Decodes a stream of token ids piece by piece, for printing generated text as it arrives. Each
 * {@link #push} returns the text that no later token can change; the pieces plus {@link #flush()} concatenate to
 * exactly {@code tokenizer.decode(allIds, skipSpecialTokens)}. A character whose UTF-8 bytes span several
 * byte-level tokens (a Chinese character, an emoji) comes out whole with the token that completes it, never as
 * U+FFFD; U+FFFD only appears where the bytes are invalid for good. A run of SentencePiece byte-fallback tokens
 * ({@code <0xE4><0xBD><0xA0>}) comes out when a token of another kind follows it (or at {@link #flush()}),
 * because the library turns a run that ends invalid into one U+FFFD per byte, characters before included.
 * Start-of-text rules such as Llama 2's stripped leading space apply once, at the very start.
 *
 * <p>Not thread-safe: one detokenizer per sequence.
 */
public final class IncrementalDetokenizer {

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final TextCollector text = new TextCollector();
    private final DecoderStep pipeline;
    private boolean flushed;

    IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.pipeline = tokenizer.newDecoderPipeline(text);
    }

    /**
     * Adds one token and returns the text it completed, which is empty while a character or a start-of-text rule
     * is still pending.
     *
     * @throws IllegalStateException after {@link #flush()}
     */
    public String push(int tokenId) {
        if (flushed) {
            throw new IllegalStateException("push after flush");
        }
        tokenizer.decodableToken(tokenId, skipSpecialTokens).ifPresent(token -> {
            pipeline.append(token);
            pipeline.endToken();
        });
        return text.drain();
    }

    /** Ends the stream and returns what was still held back (an incomplete character becomes U+FFFD). */
    public String flush() {
        if (!flushed) {
            flushed = true;
            pipeline.finish();
        }
        return text.drain();
    }
}

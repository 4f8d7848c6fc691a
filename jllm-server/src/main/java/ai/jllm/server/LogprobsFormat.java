package ai.jllm.server;

import ai.jllm.sampling.Logprob;
import ai.jllm.sampling.TokenLogprobs;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Log probabilities in the shapes clients parse: chat's {@code {"content": [{token, logprob, bytes, top_logprobs}]}},
 * the completions API's parallel arrays {@code {tokens, token_logprobs, top_logprobs, text_offset}}, and vLLM's
 * {@code prompt_logprobs} (per prompt token, the first one null: {@code {"<id>": {logprob, rank, decoded_token}}}).
 * A token shows as its own decoded text; −∞ shows as −9999 as OpenAI's does, since JSON has no infinity.
 */
final class LogprobsFormat {

    private static final float FLOOR = -9999f;

    private final Tokenizer tokenizer;
    private final ObjectMapper json;

    LogprobsFormat(Tokenizer tokenizer, ObjectMapper json) {
        this.tokenizer = tokenizer;
        this.json = json;
    }

    /** Chat's shape for generated tokens. */
    ObjectNode chat(List<TokenLogprobs> logprobs) {
        ObjectNode node = json.createObjectNode();
        ArrayNode content = node.putArray("content");
        for (TokenLogprobs position : logprobs) {
            ObjectNode entry = content.addObject();
            chatToken(entry, position.token());
            ArrayNode alternatives = entry.putArray("top_logprobs");
            for (Logprob alternative : position.top()) {
                chatToken(alternatives.addObject(), alternative);
            }
        }
        node.putNull("refusal");
        return node;
    }

    /**
     * The completions API's shape. With an echoed prompt its tokens come first, the first one without a logprob
     * (nothing predicts it).
     *
     * @param promptTokens     the echoed prompt's tokens, or none
     * @param promptLogprobs   their logprobs from the second token on
     * @param textOffset       where the first token's text starts in the choice's text (after text already streamed)
     */
    ObjectNode completion(int[] promptTokens, List<TokenLogprobs> promptLogprobs, List<TokenLogprobs> logprobs,
                          int textOffset) {
        ObjectNode node = json.createObjectNode();
        ArrayNode tokens = node.putArray("tokens");
        ArrayNode values = node.putArray("token_logprobs");
        ArrayNode tops = node.putArray("top_logprobs");
        ArrayNode offsets = node.putArray("text_offset");
        int offset = textOffset;
        if (promptTokens.length > 0) {
            String text = text(promptTokens[0]);
            tokens.add(text);
            values.addNull();
            tops.addNull();
            offsets.add(offset);
            offset += text.length();
        }
        for (List<TokenLogprobs> part : List.of(promptLogprobs, logprobs)) {
            for (TokenLogprobs position : part) {
                String text = text(position.token().tokenId());
                tokens.add(text);
                values.add(value(position.token().logprob()));
                ObjectNode alternatives = tops.addObject();
                for (Logprob alternative : position.top()) {
                    alternatives.put(text(alternative.tokenId()), value(alternative.logprob()));
                }
                offsets.add(offset);
                offset += text.length();
            }
        }
        return node;
    }

    /** vLLM's {@code prompt_logprobs}: null for the first prompt token, then the token and its alternatives. */
    JsonNode prompt(List<TokenLogprobs> promptLogprobs) {
        ArrayNode node = json.createArrayNode();
        node.addNull();
        for (TokenLogprobs position : promptLogprobs) {
            ObjectNode entry = node.addObject();
            vllmToken(entry, position.token());
            for (Logprob alternative : position.top()) {
                vllmToken(entry, alternative);
            }
        }
        return node;
    }

    private void chatToken(ObjectNode entry, Logprob logprob) {
        String text = text(logprob.tokenId());
        entry.put("token", text);
        entry.put("logprob", value(logprob.logprob()));
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
    }

    private void vllmToken(ObjectNode entry, Logprob logprob) {
        ObjectNode token = entry.putObject(Integer.toString(logprob.tokenId()));
        token.put("logprob", value(logprob.logprob()));
        token.put("rank", logprob.rank());
        token.put("decoded_token", text(logprob.tokenId()));
    }

    String text(int tokenId) {
        return tokenizer.decode(new int[] {tokenId}, false);
    }

    private static float value(float logprob) {
        return Float.isNaN(logprob) ? FLOOR : Math.max(logprob, FLOOR);
    }
}

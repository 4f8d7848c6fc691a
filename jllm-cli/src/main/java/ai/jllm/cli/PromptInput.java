package ai.jllm.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One prompt as the user gave it: text (encoded with the model's special tokens), chat messages (rendered through
 * the chat template), or token ids used as they are.
 */
sealed interface PromptInput {

    record Text(String text) implements PromptInput {}

    record Messages(List<Map<String, Object>> messages) implements PromptInput {}

    record TokenIds(int[] ids) implements PromptInput {}

    /** The prompt's text when it has one, for JSON output. */
    default Optional<String> promptText() {
        return this instanceof Text(String text) ? Optional.of(text) : Optional.empty();
    }
}

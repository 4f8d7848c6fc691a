package ai.jllm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code Sequence}: each pre-tokenizer cuts the pieces of the one before. */
record PreTokenizerSequence(List<PreTokenizer> steps) implements PreTokenizer {

    PreTokenizerSequence {
        steps = List.copyOf(steps);
    }

    @Override
    public void preTokenize(String text, boolean atInputStart, Sink out) {
        run(0, text, atInputStart, out);
    }

    private void run(int step, String text, boolean atInputStart, Sink out) {
        if (step == steps.size()) {
            out.accept(text, atInputStart);
        } else {
            steps.get(step).preTokenize(text, atInputStart, (piece, atStart) -> run(step + 1, piece, atStart, out));
        }
    }

    @Override
    public Optional<PreTokenizer> withoutFinalByteMapping() {
        if (steps.isEmpty()) {
            return Optional.empty();
        }
        return steps.getLast().withoutFinalByteMapping().map(last -> {
            List<PreTokenizer> replaced = new ArrayList<>(steps);
            replaced.set(replaced.size() - 1, last);
            return new PreTokenizerSequence(replaced);
        });
    }
}

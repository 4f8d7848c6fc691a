package ai.jllm.tokenizer;

import java.util.List;

/**
 * {@code TemplateProcessing} for a single sequence: the {@code single} template, e.g. {@code <s> $A}, where each
 * special-token piece stands for the ids listed under {@code special_tokens}.
 */
record TemplatePostProcessor(List<Piece> single) implements PostProcessor {

    /** One element of the template: the sequence itself, or the ids of a special token. */
    sealed interface Piece {}

    /** {@code $A}, the encoded input. */
    record SequencePiece() implements Piece {}

    /** A special token, with the ids it expands to. */
    record SpecialPiece(String name, int[] ids) implements Piece {}

    TemplatePostProcessor {
        single = List.copyOf(single);
    }

    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
        IntList out = new IntList(ids.length + 4);
        for (Piece piece : single) {
            switch (piece) {
                case SequencePiece _ -> out.addAll(ids);
                case SpecialPiece special -> {
                    if (addSpecialTokens) {
                        out.addAll(special.ids());
                    }
                }
            }
        }
        return out.toArray();
    }
}

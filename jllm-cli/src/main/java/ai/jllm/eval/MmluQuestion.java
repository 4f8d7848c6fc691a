package ai.jllm.eval;

import java.util.List;

/**
 * One multiple-choice question.
 *
 * @param subject the MMLU subject, e.g. {@code high_school_physics}
 * @param answer  the index of the right choice
 */
public record MmluQuestion(String subject, String question, List<String> choices, int answer) {

    /** The choice labels, as MMLU prints them. */
    public static final String LETTERS = "ABCDEFGHIJ";

    public MmluQuestion {
        choices = List.copyOf(choices);
        if (choices.size() < 2 || choices.size() > LETTERS.length()) {
            throw new IllegalArgumentException("a question has 2 to " + LETTERS.length() + " choices, not "
                    + choices.size());
        }
        if (answer < 0 || answer >= choices.size()) {
            throw new IllegalArgumentException("answer " + answer + " is not one of the " + choices.size()
                    + " choices");
        }
    }

    /** The question with its lettered choices and "Answer:", as in MMLU's evaluate.py. */
    public String body() {
        StringBuilder text = new StringBuilder(question);
        for (int i = 0; i < choices.size(); i++) {
            text.append('\n').append(LETTERS.charAt(i)).append(". ").append(choices.get(i));
        }
        return text.append("\nAnswer:").toString();
    }

    /** The prompt: MMLU's header for the subject, the worked examples, then this question. */
    public String prompt(List<MmluQuestion> examples) {
        StringBuilder text = new StringBuilder("The following are multiple choice questions (with answers) about ")
                .append(subject.replace('_', ' ')).append(".\n\n");
        for (MmluQuestion example : examples) {
            text.append(example.body()).append(' ').append(LETTERS.charAt(example.answer())).append("\n\n");
        }
        return text.append(body()).toString();
    }

    /** The index of the highest score (the first one on a tie): the model's choice. */
    public static int choose(double[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }
}

package ai.jllm.build;

/** Follows {@code jllm build} stage by stage (the CLI draws a progress bar per stage). Called on the building thread. */
public interface BuildListener {

    BuildListener NONE = new BuildListener() {
        @Override
        public void stageStarted(String stage, long total, String unit) {}

        @Override
        public void progressed(long done) {}

        @Override
        public void stageFinished() {}
    };

    /** A stage of {@code total} steps of {@code unit} (" layers", " files", ...) begins. */
    void stageStarted(String stage, long total, String unit);

    /** {@code done} steps of the current stage are complete. */
    void progressed(long done);

    void stageFinished();
}

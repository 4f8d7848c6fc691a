package ai.jllm.template;

import java.util.List;

/** A parsed template: its statements and the frame they run in. */
record Program(List<Stmt> body, Frame frame) {}

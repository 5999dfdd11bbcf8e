package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hand-written Dockerfile parser, word rules and ARG scoping, against Docker's behaviour. */
class ImportDockerfileParserTest {

  static Dockerfile parse(String text) {
    try {
      return DockerfileParser.parse(text);
    } catch (DockerfileException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void continuationLinesJoinAndSkipCommentLinesInside() {
    Dockerfile dockerfile =
        parse(
            """
        FROM centos
        RUN yum -y install gcc \\
        # a comment inside the instruction is dropped
            make \\

            gdb
        LABEL a=b
        """);
    List<Instruction> instructions = dockerfile.stages().get(0).instructions();
    assertThat(instructions).extracting(Instruction::keyword).containsExactly("RUN", "LABEL");
    assertThat(instructions.get(0).arguments()).isEqualTo("yum -y install gcc     make     gdb");
    assertThat(instructions.get(0).line()).isEqualTo(2);
    assertThat(instructions.get(0).endLine()).isEqualTo(6);
    assertThat(instructions.get(1).line()).isEqualTo(7);
  }

  @Test
  void theEscapeDirectiveChangesTheContinuationCharacter() {
    Dockerfile dockerfile =
        parse(
            """
        # escape=`
        FROM mcr.example/windows
        RUN dir `
            C:\\
        """);
    assertThat(dockerfile.escape()).isEqualTo('`');
    assertThat(dockerfile.stages().get(0).instructions().get(0).arguments())
        .isEqualTo("dir     C:\\");
  }

  @Test
  void hereDocumentBodiesAreNotInstructions() {
    Dockerfile dockerfile =
        parse(
            """
        FROM alpine
        RUN <<EOF
        FROM is not an instruction here
        apk add jq
        EOF
        COPY <<-'CONF' /etc/app.conf
        \tkey=value
        \tCONF
        RUN cat <<< "a here-string, not a here-document"
        RUN echo "quoted <<EOF is no here-document either"
        """);
    List<Instruction> instructions = dockerfile.stages().get(0).instructions();
    assertThat(dockerfile.stages()).hasSize(1);
    assertThat(instructions)
        .extracting(Instruction::keyword)
        .containsExactly("RUN", "COPY", "RUN", "RUN");
    assertThat(instructions.get(0).heredocs())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.delimiter()).isEqualTo("EOF");
              assertThat(h.quoted()).isFalse();
              assertThat(h.body()).isEqualTo("FROM is not an instruction here\napk add jq\n");
            });
    assertThat(instructions.get(1).heredocs())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.quoted()).isTrue();
              assertThat(h.body()).isEqualTo("key=value\n");
            });
    assertThat(instructions.get(2).heredocs()).isEmpty();
    assertThat(instructions.get(3).heredocs()).isEmpty();
  }

  @Test
  void stagesHaveNamesAndParents() {
    Dockerfile dockerfile =
        parse(
            """
        ARG BASE=ghcr.io/inginious/env-python3
        FROM ${BASE}:latest AS Common
        FROM common AS cpu
        FROM --platform=linux/amd64 common AS gpu
        """);
    assertThat(dockerfile.globalArgs()).hasSize(1);
    assertThat(dockerfile.stages()).extracting(Stage::name).containsExactly("common", "cpu", "gpu");
    StageEvaluator evaluator = new StageEvaluator(dockerfile, Map.of());
    assertThat(evaluator.from(dockerfile.stages().get(0)).image())
        .isEqualTo("ghcr.io/inginious/env-python3:latest");
    assertThat(evaluator.from(dockerfile.stages().get(2)).parent())
        .isSameAs(dockerfile.stages().get(0));
    assertThat(dockerfile.stages().get(2).from().flag("platform")).isEqualTo("linux/amd64");
  }

  @Test
  void whatDockerRefusesToParseIsAnErrorNamingTheLine() {
    assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nFORM b\n"))
        .isInstanceOf(DockerfileException.class)
        .hasMessage("line 2: unknown instruction 'FORM'");
    assertThatThrownBy(() -> DockerfileParser.parse("# only a comment\n"))
        .hasMessageContaining("no FROM instruction");
    assertThatThrownBy(() -> DockerfileParser.parse("LABEL a=b\nFROM x\n"))
        .hasMessage("line 1: LABEL before the first FROM (only ARG may come before it)");
    assertThatThrownBy(() -> DockerfileParser.parse("FROM a b\n"))
        .hasMessageContaining("line 1: FROM needs");
    assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nRUN <<EOF\necho\n"))
        .hasMessage("line 2: here-document <<EOF is never closed");
    assertThatThrownBy(() -> DockerfileParser.parse("# escape=x\nFROM a\n"))
        .hasMessageContaining("invalid escape directive");
  }

  @Test
  void wordsFollowDockersQuotingAndSubstitution() {
    ShellWords.Variables vars =
        name -> Optional.ofNullable(Map.of("A", "1", "EMPTY", "").get(name));
    assertThat(ShellWords.split("a=\"b c\" 'd e' f\\ g", '\\'))
        .containsExactly("a=\"b c\"", "'d e'", "f\\ g");
    assertThat(ShellWords.expand("\"x${A}y\"", '\\', vars)).isEqualTo("x1y");
    assertThat(ShellWords.expand("'$A'", '\\', vars)).isEqualTo("$A");
    assertThat(ShellWords.expand("$A-$B", '\\', vars)).isEqualTo("1-");
    assertThat(ShellWords.expand("${B:-d}${EMPTY:-e}${EMPTY-f}${A:+p}${B:+q}", '\\', vars))
        .isEqualTo("dep");
    assertThat(ShellWords.expand("\\$A", '\\', vars)).isEqualTo("$A");
    assertThat(ShellWords.references("${A}/${B:-$C}", '\\')).containsExactly("A", "B", "C");
  }

  @Test
  void globalArgsReachFromLinesOnlyUnlessAStageDeclaresThemAgain() {
    Dockerfile dockerfile =
        parse(
            """
        ARG V=3
        ARG TAG
        FROM img:${V} AS a
        LABEL name="py${V}"
        FROM img:${V} AS b
        ARG V
        LABEL name="py${V}"
        FROM img:${TAG} AS c
        ARG V=2
        ENV V=9
        LABEL name="py${V}" other="${UNKNOWN}"
        """);
    StageEvaluator evaluator = new StageEvaluator(dockerfile, Map.of());
    EvaluatedStage a = evaluator.evaluate(dockerfile.stages().get(0));
    assertThat(a.root().image()).isEqualTo("img:3");
    assertThat(a.labels().get("name").value()).as("out of scope in the stage").isEqualTo("py");
    assertThat(a.labels().get("name").outOfScope()).containsExactly("V");
    assertThat(a.labels().get("name").withGlobals()).isEqualTo("py3");
    assertThat(evaluator.evaluate(dockerfile.stages().get(1)).labels().get("name").value())
        .as("ARG V without a default takes the global default")
        .isEqualTo("py3");
    EvaluatedStage c = evaluator.evaluate(dockerfile.stages().get(2));
    assertThat(c.root().unsetArgs()).containsExactly("TAG");
    assertThat(c.labels().get("name").value()).as("ENV wins over ARG").isEqualTo("py9");
    assertThat(c.labels().get("other").fromOutside()).containsExactly("UNKNOWN");

    StageEvaluator overridden = new StageEvaluator(dockerfile, Map.of("V", "3.12", "TAG", "edge"));
    assertThat(overridden.evaluate(dockerfile.stages().get(0)).root().image())
        .isEqualTo("img:3.12");
    assertThat(overridden.evaluate(dockerfile.stages().get(1)).labels().get("name").value())
        .isEqualTo("py3.12");
    assertThat(overridden.evaluate(dockerfile.stages().get(2)).root().unsetArgs()).isEmpty();
  }

  @Test
  void stagesInheritEnvLabelsWorkdirAndUserFromTheirParentStage() {
    Dockerfile dockerfile =
        parse(
            """
        FROM base AS parent
        ENV HOME_DIR=/opt/course LEGACY=no
        ENV OLD legacy form with spaces
        LABEL org.inginious.grading.need_gpu=1
        WORKDIR /task
        USER worker
        FROM parent AS child
        WORKDIR sub
        LABEL org.inginious.grading.name="child"
        COPY ["my file.txt", "${HOME_DIR}/"]
        """);
    EvaluatedStage child =
        new StageEvaluator(dockerfile, Map.of()).evaluate(dockerfile.stages().get(1));
    assertThat(child.chain()).extracting(Stage::name).containsExactly("parent", "child");
    assertThat(child.env())
        .containsEntry("HOME_DIR", "/opt/course")
        .containsEntry("OLD", "legacy form with spaces");
    assertThat(child.labels())
        .containsKeys("org.inginious.grading.need_gpu", "org.inginious.grading.name");
    assertThat(child.ownLabels()).containsExactly("org.inginious.grading.name");
    assertThat(child.workdir()).isEqualTo("/task/sub");
    assertThat(child.user()).isEqualTo("worker");
    assertThat(child.copies())
        .singleElement()
        .satisfies(
            copy -> {
              assertThat(copy.sources()).containsExactly("my file.txt");
              assertThat(copy.destination()).isEqualTo("/opt/course/");
            });
  }
}

package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** .dockerignore as Docker reads it: last match wins, parents count, ** spans directories. */
class ImportDockerignoreTest {
  @Test
  void patternsExcludeFilesAndWholeDirectories() {
    Dockerignore ignore =
        Dockerignore.parse(
            """
        # comments and blank lines are skipped

        **/*.pyc
        /notes
        build*
        secret?.txt
        """);
    assertThat(ignore.excludes("a.pyc")).isTrue();
    assertThat(ignore.excludes("lib/deep/x.pyc")).isTrue();
    assertThat(ignore.excludes("notes/answers.md"))
        .as("a directory excludes what it holds")
        .isTrue();
    assertThat(ignore.excludes("lib/notes")).as("anchored at the context root").isFalse();
    assertThat(ignore.excludes("build-output/x")).isTrue();
    assertThat(ignore.excludes("secret1.txt")).isTrue();
    assertThat(ignore.excludes("secret10.txt")).isFalse();
    assertThat(ignore.excludes("lib/grading.py")).isFalse();
  }

  @Test
  void anExclamationMarkIncludesAgainAndTheLastMatchWins() {
    Dockerignore ignore =
        Dockerignore.parse(
            """
        data
        !data/keep.csv
        *.md
        !README.md
        README.md
        """);
    assertThat(ignore.excludes("data/big.csv")).isTrue();
    assertThat(ignore.excludes("data/keep.csv")).isFalse();
    assertThat(ignore.excludes("CHANGES.md")).isTrue();
    assertThat(ignore.excludes("README.md")).isTrue();
  }
}

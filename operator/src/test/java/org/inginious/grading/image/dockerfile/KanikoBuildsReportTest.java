package org.inginious.grading.image.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.inginious.grading.config.BuildsConfig;
import org.junit.jupiter.api.Test;

/** Finished Kaniko Jobs are reported to the metrics listener once each, from a bounded memory. */
class KanikoBuildsReportTest {
  private static final Instant START = Instant.parse("2026-01-01T10:00:00Z");

  private final List<String> reports = new ArrayList<>();
  private final KanikoBuilds builds =
      new KanikoBuilds(
          null,
          BuildsConfig.defaults(),
          (strategy, outcome, duration) -> reports.add(strategy + " " + outcome),
          3);

  @Test
  void aJobLookedAtAgainIsReportedOnce() {
    builds.report(job("uid-1"), succeeded());
    builds.report(job("uid-1"), succeeded());
    builds.report(job("uid-2"), new BuildProgress.Running(START, "running"));
    assertThat(reports).containsExactly("kaniko succeeded");
  }

  @Test
  void theMemoryOfReportedJobsIsBounded() {
    for (int i = 0; i < 1000; i++) {
      builds.report(job("uid-" + i), succeeded());
    }
    assertThat(reports).hasSize(1000);
    assertThat(builds.reportedJobs()).as("uids remembered with a cap of 3").isEqualTo(3);

    builds.report(job("uid-999"), succeeded());
    assertThat(reports).as("the most recent Jobs are still remembered").hasSize(1000);
  }

  @Test
  void theDefaultCapIsPositiveAndFinite() {
    assertThat(KanikoBuilds.MAX_REPORTED).isBetween(1, 100_000);
  }

  private static Job job(String uid) {
    return new JobBuilder()
        .withNewMetadata()
        .withName("php-build-0123abcd")
        .withUid(uid)
        .endMetadata()
        .build();
  }

  private static BuildProgress.Succeeded succeeded() {
    return new BuildProgress.Succeeded(
        START, START.plusSeconds(42), "registry.example.edu/env@sha256:" + "0".repeat(64));
  }
}

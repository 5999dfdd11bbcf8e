/**
 * Image sources by kind: where an environment's image comes from.
 *
 * <p>{@link org.inginious.grading.image.ImageSources} chooses the kind once per spec and resolves
 * the base of kinds that build on one ({@code BaseImages}); each kind has its package: {@code
 * prebuilt}, {@code layers} (jib, in process), {@code dockerfile} (Kaniko Jobs). {@code common}
 * holds the contract the kinds implement ({@code ImageSource}, {@code Outcome}, {@code
 * ClusterView}, {@code ImageProblem}) and what they share; {@code registry} speaks the registry
 * protocol.
 *
 * <p>Dependencies point one way: {@code image} imports the kinds; the kinds import {@code
 * image.common} and {@code image.registry}, never {@code image} nor each other; {@code
 * image.common} imports {@code image.registry}; all of them import further only {@code placement},
 * {@code config} and {@code api}. Nothing here imports the reconciler, the CLI or ops ({@code
 * ArchitectureTest} checks it).
 */
package org.inginious.grading.image;

package io.jmultifd.multifd;

/** How a migration ended. */
public enum MigrationStatus { COMPLETED, FAILED, CANCELLED }

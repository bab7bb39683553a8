import { Migration } from "@mikro-orm/migrations";

/**
 * Adds the object version a recorded SHA-256 was taken at (the store's ETag,
 * or a local file's size, modification time and inode), so a re-ingest reuses
 * the hash while the object is unchanged; and an index on the storage key,
 * which both that lookup and the checksum backfill go by.
 */
export class Migration20261201HashedVersion extends Migration {
  override up(): void {
    this.addSql(`alter table "task_output" add column "hashed_version" varchar(1024) null;`);
    this.addSql(`create index "task_output_storage_key_index" on "task_output" ("storage_key");`);
  }

  override down(): void {
    this.addSql(`drop index if exists "task_output_storage_key_index";`);
    this.addSql(`alter table "task_output" drop column if exists "hashed_version";`);
  }
}

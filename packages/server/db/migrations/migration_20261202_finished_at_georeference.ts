import { Migration } from "@mikro-orm/migrations";

/**
 * Adds when a task finished (`finished_at`, set at ingest when a task
 * becomes `SUCCEEDED`, the STAC Item's `datetime`) and each output's
 * georeferencing read from its GeoTIFF header (`georeference`, JSON). A task
 * that had already succeeded before this migration gets its last update as
 * its finishing time: the closest the record knows.
 */
export class Migration20261202FinishedAtGeoreference extends Migration {
  override up(): void {
    this.addSql(`alter table "analysis_task" add column "finished_at" timestamptz null;`);
    this.addSql(`update "analysis_task" set "finished_at" = "updated_at" where "status" = 'SUCCEEDED';`);
    this.addSql(`alter table "task_output" add column "georeference" jsonb null;`);
  }

  override down(): void {
    this.addSql(`alter table "task_output" drop column if exists "georeference";`);
    this.addSql(`alter table "analysis_task" drop column if exists "finished_at";`);
  }
}

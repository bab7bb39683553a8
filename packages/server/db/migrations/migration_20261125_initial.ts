import { Migration } from "@mikro-orm/migrations";

/** Creates the task and task output tables. */
export class Migration20261125Initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "analysis_task" ("id" varchar(64) not null, "owner_id" varchar(255) not null, ` +
        `"status" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `primary key ("id"));`,
    );
    this.addSql(
      `alter table "analysis_task" add constraint "analysis_task_status_check" ` +
        `check ("status" in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'));`,
    );
    this.addSql(
      `create table "task_output" ("task_id" varchar(64) not null, "position" int not null, ` +
        `"file_name" varchar(255) not null, "storage_key" varchar(1024) not null, "size" bigint not null, ` +
        `"content_type" varchar(255) null, "sha256" varchar(64) null, "created_at" timestamptz not null, ` +
        `primary key ("task_id", "position"));`,
    );
    this.addSql(
      `alter table "task_output" add constraint "task_output_task_id_foreign" foreign key ("task_id") ` +
        `references "analysis_task" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "task_output" cascade;`);
    this.addSql(`drop table if exists "analysis_task" cascade;`);
  }
}

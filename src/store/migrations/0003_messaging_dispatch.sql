CREATE TABLE "number_pacing" (
	"number_id" uuid PRIMARY KEY NOT NULL,
	"tat" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "outbox_number_idx";--> statement-breakpoint
ALTER TABLE "number_pacing" ADD CONSTRAINT "number_pacing_number_id_numbers_id_fk" FOREIGN KEY ("number_id") REFERENCES "public"."numbers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_claim_idx" ON "outbox" USING btree ("number_id","lane","seq");
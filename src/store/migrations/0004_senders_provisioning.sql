ALTER TABLE "senders" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "provisioner" text;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "secrets_enc" text;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "deleted_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "senders_business_modified_idx" ON "senders" USING btree ("business_id","modified_at");--> statement-breakpoint
CREATE INDEX "senders_number_idx" ON "senders" USING btree ("number_id");
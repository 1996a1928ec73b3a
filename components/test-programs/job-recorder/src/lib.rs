//! Test program: a `hook = "job"` component. A payload `TAG` records TAG in the
//! `job_log` table (idempotently: a second run changes nothing); `slow:MS:TAG` works
//! for MS milliseconds first; `fail:TAG` fails. Every run counts in kv `runs:TAG`.

use aerie_sdk::db::{self, Value};
use aerie_sdk::job::Job;
use aerie_sdk::{kv, settings};

#[aerie_sdk::job]
fn handle(job: Job) -> Result<(), String> {
    let payload = String::from_utf8(job.payload).map_err(|_| "payload is not text".to_string())?;
    let (tag, slow_ms, fail) = match payload.split(':').collect::<Vec<_>>().as_slice() {
        ["slow", ms, tag] => (tag.to_string(), ms.parse::<i64>().unwrap_or(0), false),
        ["fail", tag] => (tag.to_string(), 0, true),
        _ => (payload.clone(), 0, false),
    };
    kv::increment(&format!("runs:{tag}"), 1).map_err(|e| format!("kv: {e:?}"))?;
    if slow_ms > 0 {
        let until = settings::now_millis() + slow_ms;
        while settings::now_millis() < until {
            std::hint::spin_loop();
        }
    }
    if fail {
        return Err(format!("asked to fail on attempt {}", job.attempt));
    }
    db::execute(
        "INSERT INTO job_log (tag, job_id) VALUES ($1, $2) ON CONFLICT (tag) DO NOTHING",
        &[Value::Text(tag), Value::Int64(job.id)],
    )
    .map_err(|e| format!("db: {e:?}"))?;
    Ok(())
}

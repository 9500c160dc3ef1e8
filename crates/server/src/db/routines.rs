//! A customer's maintenance tasks (the routines of the durables they own) and the log of
//! when each was done: the account's routine list and the "mark done" endpoints.
//!
//! The due dates follow the same rule as the product page's plan and the calendar feed
//! (`db::plan::ownership`): from the latest day the task was done, or from the latest
//! purchase of the machine when that is later, through the contract's `next_due`.

use super::StoreError;
use crate::db::{Connection, Row};
use crate::params;
use cadence_contract::{next_due, Date, RoutineTask};

/// Every routine of every durable the customer owns, with the machine's latest purchase
/// and the latest day the routine was done. Indexed: owned products by customer, routines
/// by durable, the log by (customer, routine).
const TASKS_SQL: &str = "SELECT r.id, r.name, o.sku, p.name, r.interval_days, r.guide_url,
            max(o.purchased_on),
            (SELECT max(l.done_on) FROM maintenance_log l
             WHERE l.customer_id = ?1 AND l.routine_id = r.id),
            (SELECT count(*) FROM routine_reminders rr
             WHERE rr.customer_id = ?1 AND rr.routine_id = r.id)
     FROM owned_products o
     JOIN products p ON p.sku = o.sku
     JOIN maintenance_routines r ON r.durable_sku = o.sku
     WHERE o.customer_id = ?1 AND p.kind = 'durable'";

const GROUP_BY: &str = " GROUP BY r.id, r.name, o.sku, p.name, r.interval_days, r.guide_url";

/// A task as the customer owns it, and the day its machine was (last) bought.
pub struct OwnedTask {
    pub task: RoutineTask,
    pub purchased_on: Date,
}

/// The customer's tasks, soonest due first (then by machine and the order the merchant
/// added the routines in).
pub fn tasks_for(
    conn: &Connection,
    customer: &str,
    today: Date,
) -> Result<Vec<RoutineTask>, StoreError> {
    let mut tasks = conn
        .query_all(&format!("{TASKS_SQL}{GROUP_BY}"), [customer], Stored::read)?
        .into_iter()
        .map(|row| row.owned(today).map(|owned| (row.id, owned.task)))
        .collect::<Result<Vec<_>, _>>()?;
    tasks.sort_by(|(a_id, a), (b_id, b)| {
        (a.next_due, &a.model_sku, a_id).cmp(&(b.next_due, &b.model_sku, b_id))
    });
    Ok(tasks.into_iter().map(|(_, task)| task).collect())
}

/// Routine `routine` on a machine the customer owns; `None` when they own none it is for.
pub fn owned_task(
    conn: &Connection,
    customer: &str,
    routine: i64,
    today: Date,
) -> Result<Option<OwnedTask>, StoreError> {
    let rows = conn.query_all(
        &format!("{TASKS_SQL} AND r.id = ?2{GROUP_BY}"),
        params![customer, routine],
        Stored::read,
    )?;
    // A routine belongs to one durable, so there is one row at most.
    rows.into_iter()
        .next()
        .map(|row| row.owned(today))
        .transpose()
}

/// Records that the customer did `routine` on `done_on`; `actor` is `customer` or
/// `merchant`, `recorded_at` RFC 3339.
pub fn record_done(
    conn: &Connection,
    customer: &str,
    routine: i64,
    done_on: Date,
    actor: &str,
    recorded_at: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO maintenance_log (customer_id, routine_id, done_on, actor, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        customer,
        routine,
        done_on.to_string(),
        actor,
        recorded_at
    ])?;
    Ok(())
}

/// One row of `TASKS_SQL`, as stored.
struct Stored {
    id: i64,
    name: String,
    model_sku: String,
    model_name: String,
    every_days: u32,
    guide_url: Option<String>,
    purchased_on: String,
    last_done: Option<String>,
    reminded: bool,
}

impl Stored {
    fn read(row: &Row<'_>) -> crate::db::sql::Result<Stored> {
        Ok(Stored {
            id: row.get(0)?,
            name: row.get(1)?,
            model_sku: row.get(2)?,
            model_name: row.get(3)?,
            every_days: row.get(4)?,
            guide_url: row.get(5)?,
            purchased_on: row.get(6)?,
            last_done: row.get(7)?,
            reminded: row.get::<_, i64>(8)? > 0,
        })
    }

    fn owned(&self, today: Date) -> Result<OwnedTask, StoreError> {
        let purchased_on = parse_date(&self.purchased_on)?;
        let last_done = self.last_done.as_deref().map(parse_date).transpose()?;
        // Done on a machine owned before this one (or logged before its purchase): the
        // new machine counts from its purchase.
        let base = last_done.map_or(purchased_on, |d| d.max(purchased_on));
        Ok(OwnedTask {
            task: RoutineTask {
                routine_id: self.id.to_string(),
                name: self.name.clone(),
                model_sku: self.model_sku.clone(),
                model_name: self.model_name.clone(),
                every_days: self.every_days,
                last_done,
                next_due: next_due(base, self.every_days, today),
                guide_url: self.guide_url.clone(),
                reminded: self.reminded,
            },
            purchased_on,
        })
    }
}

fn parse_date(s: &str) -> Result<Date, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad date {s:?} in the database")))
}

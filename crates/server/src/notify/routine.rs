//! Maintenance reminders ("remind me"): a customer who owns a machine asks to be reminded
//! of one of its tasks (descaling, a filter change), whether or not they subscribe. When
//! the task falls due (at the merchant's hour of their day), they get a message with the
//! task, its guide, the part it needs (one click adds it to their next delivery when they
//! subscribe) and "done" (one click re-plans it); one more click stops these reminders.

use super::data::{Rendered, Sender};
use super::links::{self, Action, Link};
use super::plan::local_moment;
use super::render::{fill, greeting, message, Body};
use super::settings::Settings;
use super::store::{self, Row};
use super::words;
use super::Notifier;
use crate::db::{products, routines, translations, Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use crate::i18n::{self, Lang};
use crate::params;
use cadence_contract::{Date, Money, RoutineTask};
use cadence_webhooks::EventType;
use serde::{Deserialize, Serialize};

/// Rows per transaction.
const BATCH: u32 = 200;
/// A routine link stays usable this long.
const LINK_DAYS: i64 = 30;

/// Body of `POST /api/v1/me/routines/{routine_id}/reminders`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderChoice {
    /// `true`: remind me when this task is due; `false`: stop.
    pub remind: bool,
}

/// Whether the customer is reminded of a task.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoutineReminder {
    pub routine_id: String,
    pub remind: bool,
    /// When the next reminder goes, if `remind`: the task's next due day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<Date>,
}

/// Turns the reminders of `routine` on or off for `customer`, who must own a machine it is
/// for (404 otherwise).
pub fn set_reminder(
    tx: &Connection,
    customer: &str,
    routine: &str,
    remind: bool,
    today: Date,
    now: &str,
) -> Result<RoutineReminder, ApiError> {
    let not_found = || ApiError::NotFound("You own no machine with this routine.");
    let id: i64 = routine
        .parse()
        .ok()
        .filter(|id| *id > 0 && routine.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(not_found)?;
    let task = routines::owned_task(tx, customer, id, today)?.ok_or_else(not_found)?;
    if remind {
        // From the start of the due day (UTC): the pass works out the customer's hour.
        tx.execute(
            "INSERT INTO routine_reminders (customer_id, routine_id, since, next_reminder_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (customer_id, routine_id) DO UPDATE
                SET next_reminder_at = excluded.next_reminder_at",
            params![
                customer,
                id,
                now,
                (task.task.next_due.to_days() - 1) * 86_400
            ],
        )?;
    } else {
        stop(tx, customer, id)?;
    }
    Ok(RoutineReminder {
        routine_id: id.to_string(),
        remind,
        next_due: remind.then_some(task.task.next_due),
    })
}

fn stop(tx: &Connection, customer: &str, routine: i64) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM routine_reminders WHERE customer_id = ?1 AND routine_id = ?2")?
        .execute(params![customer, routine])?;
    Ok(())
}

/// Stops `routine`'s reminders (the one-click link), whatever they were.
pub fn stop_link(tx: &Connection, customer: &str, routine: &str) -> Result<(), StoreError> {
    match routine.parse::<i64>() {
        Ok(id) => stop(tx, customer, id),
        Err(_) => Ok(()),
    }
}

/// The part a task needs, as offered.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PartOffer {
    pub sku: String,
    /// In the customer's language.
    pub name: String,
    pub price: Money,
}

/// The links of a maintenance reminder.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RoutineLinks {
    /// Marks the task done today.
    pub done: String,
    /// Adds the part once to the next delivery (customers with a running subscription).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_part: Option<String>,
    /// The task's guide, absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    /// Stops these reminders.
    pub stop: String,
}

/// `data` of `notification.routine_due`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoutineDueData {
    pub notification_id: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub language: String,
    pub time_zone: String,
    /// The task, in the customer's language, due `task.next_due`.
    pub task: RoutineTask,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<PartOffer>,
    pub links: RoutineLinks,
    pub sender: Sender,
    pub message: Rendered,
}

/// One batch of reminders whose moment came; how many were made and e-mailed. The caller
/// repeats while a batch was full.
pub fn remind_due(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    now: i64,
) -> Result<(u64, u64, bool), StoreError> {
    let rows: Vec<(String, i64, Option<String>)> = tx.query_all(
        "SELECT r.customer_id, r.routine_id, c.time_zone
         FROM routine_reminders r JOIN customers c ON c.id = r.customer_id
         WHERE r.next_reminder_at <= ?1
         ORDER BY r.next_reminder_at LIMIT ?2",
        params![now, BATCH],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let full = rows.len() == BATCH as usize;
    let today = super::day_of(now);
    let (mut made, mut emails) = (0, 0);
    for (customer, routine, zone) in rows {
        let (_, zone) = settings.zone(zone.as_deref());
        let Some(owned) = routines::owned_task(tx, &customer, routine, today)? else {
            // They no longer own the machine: nothing to remind of.
            stop(tx, &customer, routine)?;
            continue;
        };
        let mut task = owned.task;
        // `next_due` is today or later: the due day that has come, or the next one.
        let due_day = task.next_due;
        let due = local_moment(due_day, settings.send_hour, &zone).unwrap_or(now);
        if due > now {
            // Not yet where they live: look again then.
            tx.prepare_cached(
                "UPDATE routine_reminders SET next_reminder_at = ?1
                 WHERE customer_id = ?2 AND routine_id = ?3",
            )?
            .execute(params![due, customer, routine])?;
            continue;
        }
        let dedupe = format!("routine:{customer}:{routine}:{due_day}");
        if !store::made_before(tx, &dedupe)? {
            translations::tasks(tx, lang_of(tx, &customer)?, std::slice::from_mut(&mut task))?;
            let email = make(tx, notifier, settings, &customer, &task, &dedupe, due, now)?;
            made += 1;
            emails += u64::from(email);
        }
        // The day before the next cycle's (every zone's 9:00 of it is later), and in any
        // case after now, so no row is read twice in one pass.
        let next = due_day
            .add_days(i64::from(task.every_days))
            .unwrap_or(due_day);
        let again = ((next.to_days() - 1) * 86_400).max(now + 3600);
        tx.prepare_cached(
            "UPDATE routine_reminders SET next_reminder_at = ?1
             WHERE customer_id = ?2 AND routine_id = ?3",
        )?
        .execute(params![again, customer, routine])?;
    }
    Ok((made, emails, full))
}

fn lang_of(tx: &Connection, customer: &str) -> Result<Lang, StoreError> {
    Ok(Lang::of_stored(
        crate::db::customers::locale(tx, customer)?.as_deref(),
    ))
}

#[allow(clippy::too_many_arguments, reason = "one message's parts, named")]
fn make(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    customer: &str,
    task: &RoutineTask,
    dedupe: &str,
    due: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let (name, email, locale, zone): (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = tx
        .prepare_cached("SELECT name, email, locale, time_zone FROM customers WHERE id = ?1")?
        .query_row([customer], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    let lang = Lang::of_stored(locale.as_deref());
    let id = crate::webhooks::new_id("ntf_");
    let part = part_of(tx, &task.routine_id, lang)?;
    let subscription: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM subscriptions WHERE customer_id = ?1 AND status = 'active'
               AND next_delivery IS NOT NULL
             ORDER BY next_delivery, id LIMIT 1",
        )?
        .query_row([customer], |row| row.get(0))
        .optional()?;
    let link = |action: Action, subscription: Option<String>, sku: Option<String>| {
        let token = links::sign(
            &notifier.key,
            &Link {
                action,
                customer: customer.to_owned(),
                subscription,
                date: None,
                kind: None,
                routine: Some(task.routine_id.clone()),
                sku,
                notification: id.clone(),
                expires: now + LINK_DAYS * 86_400,
            },
        );
        format!("{}/links/{token}", notifier.public_url)
    };
    let links = RoutineLinks {
        done: link(Action::Done, None, None),
        add_part: match (&part, subscription) {
            (Some(part), Some(sub)) => {
                Some(link(Action::AddPart, Some(sub), Some(part.sku.clone())))
            }
            _ => None,
        },
        guide: task
            .guide_url
            .as_deref()
            .and_then(|g| absolute(g, settings)),
        stop: link(Action::StopRoutine, None, None),
    };
    let (zone_name, _) = settings.zone(zone.as_deref());
    let mut data = RoutineDueData {
        notification_id: id.clone(),
        customer_id: customer.to_owned(),
        email: email.clone(),
        name,
        language: lang.tag().to_owned(),
        time_zone: zone_name,
        task: task.clone(),
        part,
        links,
        sender: Sender {
            name: settings.brand.name.clone(),
            address: settings.brand.from_address.clone(),
            reply_to: settings.brand.reply_to.clone(),
        },
        message: Rendered::default(),
    };
    data.message = render(&data, lang, settings, &notifier.public_url);
    let channel = settings.channels.routine_due;
    if channel.events() {
        crate::outbox::enqueue(
            tx,
            EventType::NotificationRoutineDue,
            &crate::outbox::notification_stream(customer),
            now,
            &data,
        )?;
    }
    let to = email.as_deref().filter(|_| channel.email());
    store::insert(
        tx,
        &Row {
            id: &id,
            kind: "routine_due",
            dedupe,
            customer_id: customer,
            subscription_id: None,
            email: to,
            due_at: due,
        },
        &serde_json::to_string(&data)?,
        now,
    )?;
    Ok(to.is_some())
}

/// The part a routine uses, in `lang`, if it names one that is in stock.
fn part_of(tx: &Connection, routine: &str, lang: Lang) -> Result<Option<PartOffer>, StoreError> {
    let sku: Option<String> = tx
        .prepare_cached("SELECT consumable_sku FROM maintenance_routines WHERE id = ?1")?
        .query_row([routine.parse::<i64>().unwrap_or(0)], |row| row.get(0))
        .optional()?
        .flatten();
    let Some(sku) = sku else { return Ok(None) };
    let Some(product) = products::find(tx, &sku)?.filter(|p| p.in_stock) else {
        return Ok(None);
    };
    let name = translations::texts(tx, &sku, lang)?
        .and_then(|t| t.name)
        .unwrap_or(product.name);
    Ok(Some(PartOffer {
        sku,
        name,
        price: product.price,
    }))
}

/// A guide URL as a link in an e-mail: absolute ones as they are, paths on the shop's site
/// against the origin of the shop's account page (when the merchant gave one).
fn absolute(guide: &str, settings: &Settings) -> Option<String> {
    if guide.starts_with("https://") || guide.starts_with("http://") {
        return Some(guide.to_owned());
    }
    let account = settings.brand.account_url.as_deref()?;
    let origin_end = account["https://".len()..]
        .find('/')
        .map_or(account.len(), |i| i + "https://".len());
    Some(format!("{}{guide}", &account[..origin_end]))
}

fn render(data: &RoutineDueData, lang: Lang, settings: &Settings, public_url: &str) -> Rendered {
    let task = &data.task;
    let names = [
        ("task", task.name.as_str()),
        ("machine", task.model_name.as_str()),
    ];
    let subject = fill(&words::ROUTINE_SUBJECT, lang, &names);
    let lead = fill(&words::ROUTINE_LEAD, lang, &names);
    let last = task.last_done.map_or_else(
        || words::NEVER.get(lang).to_owned(),
        |d| i18n::long_date(lang, d),
    );
    let facts = vec![
        (words::TASK.get(lang), task.name.clone()),
        (words::MACHINE.get(lang), task.model_name.clone()),
        (
            words::EVERY.get(lang),
            fill(
                &words::EVERY_DAYS,
                lang,
                &[("n", &task.every_days.to_string())],
            ),
        ),
        (words::LAST_DONE.get(lang), last),
    ];
    let mut buttons = vec![(
        words::MARK_DONE.get(lang).to_owned(),
        data.links.done.clone(),
    )];
    if let (Some(part), Some(url)) = (&data.part, &data.links.add_part) {
        let price = i18n::money(lang, &part.price);
        buttons.push((
            fill(
                &words::ADD_PART,
                lang,
                &[("part", &part.name), ("price", &price)],
            ),
            url.clone(),
        ));
    }
    if let Some(guide) = &data.links.guide {
        buttons.push((words::HOW_TO.get(lang).to_owned(), guide.clone()));
    }
    let body = Body {
        greeting: greeting(lang, data.name.as_deref()),
        lead,
        facts,
        change_lead: None,
        buttons,
        footer: Vec::new(),
        unsubscribe: Some((words::STOP_ROUTINE.get(lang), data.links.stop.clone())),
    };
    message(subject, lang, &settings.brand, &body, public_url)
}

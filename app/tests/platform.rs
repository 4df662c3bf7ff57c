//! Platform tests on SQLite and PostgreSQL: case numbers under concurrency and rollback.

use app::{
    both_databases,
    platform::{Error, ids::next_case_number},
};

both_databases!(
    case_numbers_are_consecutive_per_year_even_under_concurrency,
    |p| async move {
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = p.db.begin().await?;
                let n = next_case_number(&mut tx, 2026, p.clock.now()).await?;
                tx.commit().await?;
                Ok::<_, Error>(n)
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap().unwrap());
        }
        numbers.sort();
        let expected: Vec<String> = (1..=20).map(|n| format!("CF-2026-{n:06}")).collect();
        assert_eq!(numbers, expected);

        let mut tx = p.db.begin().await.unwrap();
        assert_eq!(
            next_case_number(&mut tx, 2027, p.clock.now())
                .await
                .unwrap(),
            "CF-2027-000001"
        );
        drop(tx);
        let mut tx = p.db.begin().await.unwrap();
        assert_eq!(
            next_case_number(&mut tx, 2027, p.clock.now())
                .await
                .unwrap(),
            "CF-2027-000001",
            "a rolled-back number is reused"
        );
    }
);

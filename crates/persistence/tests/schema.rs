//! The schema check behind `/ready`, on both databases.

use persistence::Store;

persistence::on_both_databases!(sqlite, postgres; a_migrated_database_is_current_and_an_emptied_one_is_not);

async fn a_migrated_database_is_current_and_an_emptied_one_is_not(store: Store) {
    assert_eq!(store.schema_current().await.ok(), Some(true));
    store
        .revert_all_migrations()
        .await
        .unwrap_or_else(|e| panic!("revert: {e}"));
    // Asking must not create the migrations table: the answer stays the same.
    for _ in 0..2 {
        assert_eq!(store.schema_current().await.ok(), Some(false));
    }
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    assert_eq!(store.schema_current().await.ok(), Some(true));
}

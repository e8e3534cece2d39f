// A read-process-write pipeline that crashes in the middle of a transaction
// (the Kotlin twin of eos-pipeline.py).
//
// Step 1 writes 200 orders to "orders". Step 2 is the pipeline: for each batch of orders it opens
// a transaction, writes one invoice per order to "invoices", adds the consumer's new offsets to the
// same transaction with sendOffsetsToTransaction(), and commits. Invoices, offsets: all or nothing.
// The first instance crashes in its fifth transaction, after its invoices have reached the log but
// before the commit. The restarted instance uses the same transactional.id: its initTransactions()
// aborts the unfinished transaction, and its consumer resumes from the last committed offsets.
// The "e-mail" per order is a side effect outside Kafka, which no Kafka transaction can take back.
@file:JvmName("EosPipeline")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.consumer.ConsumerConfig
import org.apache.kafka.clients.consumer.KafkaConsumer
import org.apache.kafka.clients.consumer.OffsetAndMetadata
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.StringDeserializer
import org.apache.kafka.common.serialization.StringSerializer

val BOOTSTRAP: String = System.getenv("BOOTSTRAP_SERVERS")
const val COUNT = 200
const val BATCH = 20
const val CRASH_IN_TRANSACTION = 5
const val IDLE_MILLIS = 3000L

var emailsSent = 0
val abandoned = mutableListOf<KafkaProducer<String, String>>()   // the crashed instance's producer, transaction open

fun producer(vararg extra: Pair<String, Any>) = KafkaProducer<String, String>(Properties().apply {
    put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
    put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
    put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
    put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)   // transaction calls wait at most 10 s
    extra.forEach { (key, value) -> put(key, value) }
})

fun consumer(group: String, isolation: String) = KafkaConsumer<String, String>(Properties().apply {
    put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
    put(ConsumerConfig.GROUP_ID_CONFIG, group)
    put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)   // offsets go through the transaction instead
    put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
    // kafka-clients defaults to read_uncommitted (librdkafka to read_committed): named explicitly,
    // since a pipeline must never pick up another pipeline's aborted output.
    put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation)
    put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH)
    put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
    put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
})

fun send(producer: KafkaProducer<String, String>, topic: String, id: String) {
    println("sent $id")
    producer.send(ProducerRecord(topic, id)) { metadata, error ->
        if (error != null) println("failed $id ${error.javaClass.simpleName}")
        else println("acked $id ${metadata.partition()} ${metadata.offset()}")
    }
}

fun writeOrders() = producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG to true).use { producer ->
    for (i in 1..COUNT) send(producer, "orders", "order-$i")
    producer.flush()
}

fun runPipeline(crashInTransaction: Int? = null) {
    val consumer = consumer("invoicing", "read_committed")
    val producer = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG to "invoicing-0")   // stable across restarts
    producer.initTransactions()   // fences older instances, aborts their open transaction
    // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
    // example never waits for a group rebalance. Offsets are still committed to the group.
    consumer.assign(listOf(TopicPartition("orders", 0)))
    var transactions = 0
    var deadline = System.currentTimeMillis() + 10_000   // the first fetch can take a moment
    while (System.currentTimeMillis() < deadline) {
        val batch = consumer.poll(Duration.ofSeconds(1))
        if (batch.isEmpty) continue
        deadline = System.currentTimeMillis() + IDLE_MILLIS   // stop once "orders" has been quiet this long
        transactions++
        producer.beginTransaction()
        for (record in batch) {
            send(producer, "invoices", record.value().replace("order-", "invoice-"))
            emailsSent++   // the side effect: not part of any transaction
        }
        if (transactions == crashInTransaction) {
            producer.flush()
            println("crash in transaction $transactions: ${batch.count()} invoices written, not committed")
            abandoned += producer
            consumer.close()
            return
        }
        val next = consumer.assignment().associateWith { OffsetAndMetadata(consumer.position(it)) }   // next offset to read
        producer.sendOffsetsToTransaction(next, consumer.groupMetadata())
        producer.commitTransaction()
    }
    consumer.close()
    producer.close()
}

/** Records and distinct invoices a reader at this isolation level finds, read from the start. */
fun countInvoices(isolation: String): Pair<Int, Int> = consumer("audit-$isolation", isolation).use { reader ->
    val invoices = TopicPartition("invoices", 0)
    reader.assign(listOf(invoices))
    reader.seekToBeginning(listOf(invoices))
    val end = reader.endOffsets(listOf(invoices)).getValue(invoices)   // read_committed: the last stable offset
    var records = 0
    val distinct = mutableSetOf<String>()
    while (reader.position(invoices) < end) {
        val got = reader.poll(Duration.ofSeconds(3))
        if (got.isEmpty) break
        got.forEach { records++; distinct += it.value() }
    }
    records to distinct.size
}

fun main() {
    writeOrders()
    println("-- pipeline starts")
    runPipeline(crashInTransaction = CRASH_IN_TRANSACTION)
    println("-- pipeline restarts with the same transactional.id")
    runPipeline()
    val (committed, committedDistinct) = countInvoices("read_committed")
    println("read_committed: $committed invoices, $committedDistinct distinct, for $COUNT orders")
    val (all, allDistinct) = countInvoices("read_uncommitted")
    println("read_uncommitted: $all invoices, $allDistinct distinct (includes the aborted ones)")
    println("e-mails sent: $emailsSent for $COUNT orders")
}

// At-most-once on the consumer side: commit the batch, then process it (the Kotlin twin of commit-first.py).
//
// Step 1 fills the topic with 200 payments. Step 2 is a consumer that commits each batch *before*
// processing it, and crashes right after one of those commits. Step 3 restarts it in the same
// group: it resumes from the committed offset. The crash is simulated: the first instance stops
// without processing the batch it has just committed and closes its consumer; with
// enable.auto.commit=false, close() commits nothing.
@file:JvmName("CommitFirst")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.consumer.ConsumerConfig
import org.apache.kafka.clients.consumer.KafkaConsumer
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.StringDeserializer
import org.apache.kafka.common.serialization.StringSerializer

val BOOTSTRAP: String = System.getenv("BOOTSTRAP_SERVERS")
const val TOPIC = "payments"
const val COUNT = 200
const val CRASH_ON = "payment-100"   // the first instance dies in the batch holding this payment
const val IDLE_MILLIS = 3000L        // a consumer stops once the topic has been quiet this long

fun fillTopic() {
    val config = Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
    }
    KafkaProducer<String, String>(config).use { producer ->
        for (i in 1..COUNT) {
            val paymentId = "payment-$i"
            println("sent $paymentId")
            producer.send(ProducerRecord(TOPIC, paymentId)) { metadata, error ->
                if (error != null) println("failed $paymentId ${error.javaClass.simpleName}")
                else println("acked $paymentId ${metadata.partition()} ${metadata.offset()}")
            }
        }
        producer.flush()
    }
}

fun runConsumer(crashOn: String? = null) {
    val config = Properties().apply {
        put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ConsumerConfig.GROUP_ID_CONFIG, "billing")
        put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)   // we commit ourselves ...
        put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20)          // batches of at most 20, as in the Python twin
        put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
        put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer::class.java.name)
    }
    KafkaConsumer<String, String>(config).use { consumer ->
        // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
        // example never waits for a group rebalance. Offsets are still committed to the group.
        consumer.assign(listOf(TopicPartition(TOPIC, 0)))
        var deadline = System.currentTimeMillis() + 10_000   // the first fetch can take a moment
        while (System.currentTimeMillis() < deadline) {
            val ids = consumer.poll(Duration.ofSeconds(1)).map { it.value() }
            if (ids.isEmpty()) continue
            deadline = System.currentTimeMillis() + IDLE_MILLIS
            consumer.commitSync()   // ... and we commit BEFORE processing
            if (crashOn != null && crashOn in ids) {
                println("crash: ${ids.size} payments committed but never processed (${ids.first()} .. ${ids.last()})")
                return
            }
            ids.forEach { println("processed $it") }
        }
    }
}

fun main() {
    fillTopic()
    println("-- first instance starts")
    runConsumer(crashOn = CRASH_ON)
    println("-- restarted instance resumes from the committed offset")
    runConsumer()
}
